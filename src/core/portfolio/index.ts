/** Public surface of the portfolio module: exact accounting (portfolio.ts) and performance statistics (stats.ts). */
export * from './portfolio.ts';
export * from './stats.ts';
