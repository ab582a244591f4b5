export {
  DEFAULT_POLICY,
  INTERNAL_SERVICES,
  refusalReason,
  type AddressPolicy,
  type DeniedAddress,
} from './address-policy.js';
export { dockerHostDenials, resolveDockerHostDenials } from './docker-host.js';
export { OutgoingRequestError, SafeHttp, systemLookup, type Lookup } from './safe-http.js';
