export { SilencesPage } from './silences-page';
