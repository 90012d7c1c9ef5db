export { PgscaleSqlError, Session, redact, withSession } from "./session";
export { AccessPlanRefusedError } from "./steps";
