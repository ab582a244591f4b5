export { ContainerPage } from './container-page';
