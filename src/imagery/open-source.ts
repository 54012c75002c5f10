import { ConfigError } from '../errors.ts';
import { LocalSource } from './local-source.ts';
import type { ImagerySource, SourceConfig } from './source.ts';
import { StacApiSource } from './stac-api-source.ts';

/** Opens a configured source; throws ConfigError naming an unknown kind. */
export function openSource(config: SourceConfig): ImagerySource {
  switch (config.kind) {
    case 'stac-api':
      return new StacApiSource({ url: config.url, collection: config.collection, preset: config.preset });
    case 'local':
      return new LocalSource(config.path, { metadata: config.metadata });
    default:
      throw new ConfigError(
        `unknown source kind ${JSON.stringify((config as { kind?: unknown }).kind)} (expected stac-api or local)`,
      );
  }
}
