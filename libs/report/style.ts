/** Fonts and colours shared by maps and charts (DejaVu Sans ships with Debian; canvas falls back otherwise). */
export const FONT = '11px "DejaVu Sans", sans-serif';
export const FONT_BOLD = 'bold 12px "DejaVu Sans", sans-serif';
export const FONT_SMALL = '10px "DejaVu Sans", sans-serif';

/** Series colours (ColorBrewer Set1 / Dark2 style, distinguishable in print): raw10, raw5, EMOS, model. */
export const SERIES_COLORS = ['#444444', '#999999', '#1b9e77', '#d95f02', '#7570b3', '#e7298a'];
