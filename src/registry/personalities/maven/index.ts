/** The Maven personality: a Maven 2 repository of the artifacts published to Sigil, with checksums and signatures beside each file. */
export { mavenRoutes } from './routes.js';
export type { MavenRoutesOptions } from './routes.js';
export { MavenRepository, mavenPathOf, compareMavenVersions } from './repository.js';
export type { MavenFile } from './repository.js';
