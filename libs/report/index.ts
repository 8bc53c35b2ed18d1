/** Case-study report rendering: maps and charts to PNG, the report model, HTML and PDF renderers. */
export * from './colormaps.js';
export * from './scale.js';
export * from './geo.js';
export * from './mapPanel.js';
export * from './charts/chart.js';
export * from './charts/verification.js';
export * from './model.js';
export * from './html.js';
export * from './browser.js';
export * from './text.js';
export * from './units.js';
export { renderColorBar, ROW_WIDTH } from './colorBar.js';
export * from './style.js';
