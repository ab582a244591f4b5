export { IncidentDetailPage, IncidentsPage } from './incidents-page';
