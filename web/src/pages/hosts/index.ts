export { HostsPage } from './hosts-page';
