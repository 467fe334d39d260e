import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app-config.js';
import { buildDataSourceOptions } from './src/database/database.options.js';
import { ENTITIES } from './src/entities.js';

/**
 * The TypeORM CLI's DataSource, from the same options as the application, with every entity
 * (the composition root's list: migration:generate compares them with the schema).
 */
export default new DataSource({
  ...buildDataSourceOptions(loadConfig(process.env).database),
  entities: ENTITIES,
});
