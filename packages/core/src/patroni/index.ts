// Patroni's REST API: requests and answers, without the transport.
export { patroniRequest } from "./rest";
export type { PatroniAnswer, PatroniCall, PatroniCredentials, PatroniRequest, PatroniTransport } from "./rest";
