import { type DynamicModule } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants.js';
import { TypeOrmModule } from '@nestjs/typeorm';
import { getMetadataArgsStorage } from 'typeorm';
import { AppModule } from './app.module.js';
import { AppConfig } from './config/app-config.js';
import { ENTITIES } from './entities.js';

function isDynamicModule(node: unknown): node is DynamicModule {
  return typeof node === 'object' && node !== null && 'module' in node;
}

/** The entity a repository provider of `TypeOrmModule.forFeature` is for. */
function entityOf(provider: unknown): unknown {
  if (typeof provider !== 'object' || provider === null || !('targetEntitySchema' in provider))
    return undefined;
  const schema = provider.targetEntitySchema;
  return typeof schema === 'object' && schema !== null && 'target' in schema
    ? schema.target
    : undefined;
}

/** Every entity a `TypeOrmModule.forFeature` registers somewhere in the module graph. */
function registeredEntities(root: DynamicModule): Set<unknown> {
  const entities = new Set<unknown>();
  const seen = new Set<unknown>();
  const visit = (node: unknown): void => {
    if (seen.has(node)) return;
    seen.add(node);
    const dynamic = isDynamicModule(node) ? node : undefined;
    const type: unknown = dynamic ? dynamic.module : node;
    if (dynamic?.module === TypeOrmModule)
      for (const provider of dynamic.providers ?? []) {
        const entity = entityOf(provider);
        if (entity) entities.add(entity);
      }
    const declared: unknown =
      typeof type === 'function' ? Reflect.getMetadata(MODULE_METADATA.IMPORTS, type) : undefined;
    for (const child of Array.isArray(declared) ? declared : []) visit(child);
    for (const child of dynamic?.imports ?? []) visit(child);
  };
  visit(root);
  return entities;
}

describe('ENTITIES (the composition root list)', () => {
  it("names exactly the entities the feature modules register, which the app's DataSource loads", () => {
    expect(new Set(ENTITIES)).toEqual(registeredEntities(AppModule.forRoot(new AppConfig())));
  });

  it('names every entity class the application declares', () => {
    expect(new Set(ENTITIES)).toEqual(
      new Set(getMetadataArgsStorage().tables.map((table) => table.target)),
    );
  });
});
