export { PgscaleSqlError, Session, redact, withSession } from "./session";
