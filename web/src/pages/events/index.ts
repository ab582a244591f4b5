export { EventsPage } from './events-page';
export { EventDetailPage } from './event-detail-page';
