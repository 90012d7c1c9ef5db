import { planScaling } from "/work/main/packages/core/src/planner";
const [goal, size, ...constraints] = process.argv.slice(2);
const p = planScaling({ scaling_goal: goal, current_metrics: { table_size_gb: Number(size), rows_millions: Number(size), connections_peak: 1200, read_write_ratio: "80:20" }, constraints }, { now: new Date() });
console.log(p.configuration.sql.join("\n"));
