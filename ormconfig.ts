import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app-config.js';
import { buildDataSourceOptions } from './src/database/database.options.js';

/** The TypeORM CLI's DataSource, from the same options as the application. */
export default new DataSource(buildDataSourceOptions(loadConfig(process.env).database));
