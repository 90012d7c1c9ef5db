// Patroni's REST API: requests and answers, and the one transport they travel by.
export { patroniRequest } from "./rest";
export { patroniHttp } from "./transport";
export type { PatroniAnswer, PatroniCall, PatroniCredentials, PatroniRequest, PatroniTransport } from "./rest";
export { dcsPatch, switchesFailsafeOff, WHOLE_DCS_MAPS } from "./dcs-patch";
