import type { ScalingPlan } from "@pgscale/core";
import { wrap } from "./wrap";

function section(title: string, body: string): string {
    return `${title}\n${"-".repeat(title.length)}\n${body}`;
}

/** The plan for a terminal: the diagram, then the steps, the configuration and the rollback; the reasons last. */
export function renderPlanText(plan: ScalingPlan): string {
    const parts: string[] = [`pgscale plan: ${plan.scaling_goal}\n\n${wrap(plan.summary, "")}`, section("Architecture", plan.architecture)];
    parts.push(
        section(
            "Steps",
            plan.implementation_steps
                .map((s) => {
                    const head = `${String(s.step).padStart(2)}. ${s.title}${s.online ? "" : "  [interrupts traffic]"}`;
                    return [head, wrap(s.changes, "            ", "    change: "), wrap(s.verify, "            ", "    verify: ")].join("\n");
                })
                .join("\n\n"),
        ),
    );
    const config = plan.configuration;
    if (config.stack) parts.push(section("Configuration (Pulumi, TypeScript)", config.stack.trimEnd()));
    if (config.sql.length) parts.push(section("SQL", config.sql.join("\n")));
    if (config.managed_settings) parts.push(section("Managed service settings", JSON.stringify(config.managed_settings, null, 2)));
    parts.push(section("Rollback", plan.rollback_plan.split("\n").map((l) => wrap(l, "      ", "   ")).join("\n")));
    parts.push(section("Why", plan.decisions.map((d) => wrap(`${d.topic}: ${d.choice}. ${d.why}`, "    ", "  - ")).join("\n")));
    if (plan.assumptions.length) parts.push(section("Assumptions", plan.assumptions.map((a) => wrap(a, "    ", "  - ")).join("\n")));
    if (plan.notes.length) parts.push(section("Notes", plan.notes.map((n) => wrap(n, "    ", "  - ")).join("\n")));
    return parts.join("\n\n") + "\n";
}
