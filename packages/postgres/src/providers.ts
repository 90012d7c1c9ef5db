import type { ProviderRegistry } from "./package-provider";
import { databaseProvider } from "./database/provider";
import { extensionProvider } from "./extension/provider";
import { grantProvider } from "./grant/provider";
import { partitionedTableProvider } from "./partitioned-table/provider";
import { patroniDynamicConfigProvider } from "./patroni/dynamic-config";
import { postgresVersionGuardProvider } from "./patroni/version-guard";
import { publicationProvider } from "./publication/provider";
import { replicationSlotProvider } from "./replication/replication-slot";
import { roleProvider } from "./role/provider";
import { schemaProvider } from "./schema/provider";
import { firstValueProvider } from "./secrets/first-value";
import { generatedTlsProvider } from "./secrets/generated-tls";
import { shardedTableProvider } from "./sharded-table/provider";
import { subscriptionProvider } from "./subscription/provider";

/**
 * What POSTGRES_PROVIDER dispatches to, by each resource's type name (package-provider.ts).
 * GeneratedSecret keeps a provider of its own: it needs nothing from the package.
 */
export const pgscaleProviders: ProviderRegistry = {
    Database: databaseProvider,
    Extension: extensionProvider,
    FirstValue: firstValueProvider,
    GeneratedTls: generatedTlsProvider,
    Grant: grantProvider,
    PartitionedTable: partitionedTableProvider,
    PatroniDynamicConfig: patroniDynamicConfigProvider,
    PostgresVersionGuard: postgresVersionGuardProvider,
    Publication: publicationProvider,
    ReplicationSlot: replicationSlotProvider,
    Role: roleProvider,
    Schema: schemaProvider,
    ShardedTable: shardedTableProvider,
    Subscription: subscriptionProvider,
};
