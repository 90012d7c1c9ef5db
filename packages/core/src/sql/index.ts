// SQL text helpers every construct uses: quoting of identifiers and literals,
// and the checks for the few SQL fragments users write themselves.
export { MAX_IDENTIFIER_BYTES, SqlQuotingError, dollarQuote, identifierProblem, quoteIdent, quoteLiteral, quoteQualified, renderValue } from "./quote";
export { expressionProblem, typeNameProblem } from "./expression";
export { libpqCompatible, verifiedTls } from "./client-tls";
