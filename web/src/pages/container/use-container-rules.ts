import { inventoryApi } from '../../api/inventory';
import { rulesApi } from '../../api/rules';
import type { EffectiveRule } from '../../api/types';
import { useResource } from '../../hooks/use-resource';

/** A container in a workload gets the workload's effective rules; others the enabled globals. */
export function useContainerRules(workloadId: string | null) {
  const rules = useResource(async (): Promise<EffectiveRule[]> => {
    if (workloadId) return (await inventoryApi.effectiveRules(workloadId)).items;
    const globals = await rulesApi.list({ scope: 'global', enabled: true });
    return globals.items.map((r) => ({ ...r, source: 'global' as const }));
  }, [workloadId]);
  return { items: rules.data, error: rules.error };
}
