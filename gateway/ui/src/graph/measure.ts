// Text widths for the layout, measured with the same font the graph draws with.

export const FONT_FAMILY = `system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif`;

let context: CanvasRenderingContext2D | null | undefined;

export function textWidth(text: string, size: number, weight = 400): number {
  if (context === undefined) {
    context = typeof document === "undefined" ? null : document.createElement("canvas").getContext("2d");
  }
  if (!context) return text.length * size * 0.6;
  context.font = `${weight} ${size}px ${FONT_FAMILY}`;
  return context.measureText(text).width;
}
