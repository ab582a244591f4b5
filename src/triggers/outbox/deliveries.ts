import { AppError, ErrorCode } from '../../errors.js';
import type {
  DeliveryFilter,
  DeliveryList,
  DeliveryPage,
  DeliveryRepository,
} from './delivery-repository.js';
import type { DeliveryWaker } from './dispatcher.js';
import type { Delivery, Trigger } from '../model.js';

/** Reading the outbox, and putting a failed or dead delivery back in line. */
export class DeliveriesService {
  constructor(
    private readonly deps: {
      repo: DeliveryRepository;
      triggers: { get(id: number): Promise<Trigger | null> };
      worker: DeliveryWaker;
      now?: () => number;
    },
  ) {}

  list(filter: DeliveryFilter, page: DeliveryPage): Promise<DeliveryList> {
    return this.deps.repo.list(filter, page);
  }

  async listForTrigger(
    triggerId: number,
    filter: Omit<DeliveryFilter, 'trigger_id'>,
    page: DeliveryPage,
  ): Promise<DeliveryList> {
    if (!(await this.deps.triggers.get(triggerId))) throw AppError.notFound('trigger', triggerId);
    return this.deps.repo.list({ ...filter, trigger_id: triggerId }, page);
  }

  async get(id: number): Promise<Delivery> {
    const delivery = await this.deps.repo.get(id);
    if (!delivery) throw AppError.notFound('delivery', id);
    return delivery;
  }

  /** A new set of attempts for a failed or dead delivery, under the same webhook-id. */
  async retry(id: number): Promise<Delivery> {
    const delivery = await this.get(id);
    if (delivery.status === 'pending' || delivery.status === 'sent')
      throw new AppError(
        ErrorCode.Conflict,
        `delivery ${id} is ${delivery.status}; only failed or dead deliveries can be retried`,
        { field: 'status' },
      );
    const trigger = await this.deps.triggers.get(delivery.trigger_id);
    if (!trigger?.enabled)
      throw new AppError(
        ErrorCode.Conflict,
        `trigger ${delivery.trigger_id} is disabled; enable it before retrying its deliveries`,
      );
    const retried = await this.deps.repo.retry(id, (this.deps.now ?? Date.now)());
    if (!retried)
      throw new AppError(ErrorCode.Conflict, `delivery ${id} changed meanwhile; look again`);
    this.deps.worker.wake();
    return retried;
  }
}
