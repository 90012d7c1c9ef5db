import { planScaling } from "/work/main/packages/core/src/planner";
const goal = process.argv[2];
const p = planScaling({ scaling_goal: goal, current_metrics: { table_size_gb: Number(process.argv[3] ?? 500), rows_millions: 2000, connections_peak: 1200, read_write_ratio: "80:20" }, constraints: process.argv.slice(4) }, { now: new Date("2025-11-25T12:00:00Z") });
console.log(p.architecture); console.log("----"); console.log(p.architecture_mermaid);
for (const s of p.implementation_steps) console.log(`${s.step}. ${s.title}\n   changes: ${s.changes}\n   verify: ${s.verify}`);
for (const d of p.decisions) console.log(`- ${d.topic}: ${d.choice} -- ${d.why}`);
console.log(p.configuration.stack); console.log(p.configuration.sql.join("\n")); console.log(p.rollback_plan); console.log(p.assumptions, p.notes);
