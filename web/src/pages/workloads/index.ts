export { WorkloadPage } from './workload-page';
