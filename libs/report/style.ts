/**
 * Fonts, sizes and colours shared by maps and charts (DejaVu Sans ships with Debian; canvas falls back
 * otherwise). Figures are laid out in CSS pixels at FIGURE_WIDTH and rasterised at PIXEL_RATIO device pixels
 * per CSS pixel, so their text stays sharp when a page shows them at 100 % zoom or prints them.
 */

/** Layout width of one figure in CSS px: half an A4 print column (190 mm = 718 px, minus a 14 px gap). */
export const FIGURE_WIDTH = 352;
/** Device pixels per CSS pixel of every rendered figure. */
export const PIXEL_RATIO = 2;
/** Smallest text in a figure, in CSS px at FIGURE_WIDTH: 16 px = 12 pt in print, the legibility floor. */
export const LABEL_PX = 16;
export const TITLE_PX = 17;
/** Line height of figure text (CSS px). */
export const LINE_PX = 20;

export const FONT = `${LABEL_PX}px "DejaVu Sans", sans-serif`;
export const FONT_BOLD = `bold ${TITLE_PX}px "DejaVu Sans", sans-serif`;

/** Series colours (ColorBrewer Set1 / Dark2 style, distinguishable in print): raw10, raw5, EMOS, model. */
export const SERIES_COLORS = ['#444444', '#999999', '#1b9e77', '#d95f02', '#7570b3', '#e7298a'];
