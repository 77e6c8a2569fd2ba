/**
 * Small pure SVG chart helpers for the run report: a line chart (several series on one or two y axes, horizontal
 * reference lines, vertical event markers, lines, steps or dots), a column chart and a ranked bar chart.
 *
 * Each returns an `<svg data-chart="…">` string that needs no script and no stylesheet to be seen. Every text passes
 * through `escapeXml` here, so callers hand in plain strings. Drawn data (lines, dots, bars, markers) carries the
 * class `data`, so a test can count what was drawn. Points with a non-finite coordinate are dropped before drawing
 * and empty charts say "no data", so no `NaN` ever reaches an attribute.
 */

export interface Point {
  readonly x: number
  readonly y: number
  /** Hover tooltip of the point's dot (series of shape `dots`). */
  readonly title?: string
}

export interface Axis {
  readonly label: string
  readonly format: (value: number) => string
  /** Force the domain to include these bounds (e.g. 0 for counts, 100 for a percent). */
  readonly min?: number
  readonly max?: number
}

export interface LineSeries {
  readonly name: string
  readonly color: string
  readonly points: ReadonlyArray<Point>
  /** Which y axis the series is read against; default the left one. */
  readonly axis?: "left" | "right"
  /** `step`: each value holds until the next point; `dots`: one circle per point. Default `line`. */
  readonly shape?: "line" | "step" | "dots"
}

/** A horizontal line at a value of the left axis, labelled at its right end. */
export interface ReferenceLine {
  readonly y: number
  readonly label: string
  readonly color: string
}

/** A vertical marker at `x`; markers of the same `name` share one legend entry; `title` is the hover tooltip. */
export interface EventMarker {
  readonly x: number
  readonly name: string
  readonly title: string
  readonly color: string
}

export interface LineChartSpec {
  /** The `data-chart` attribute. */
  readonly id: string
  readonly title: string
  readonly width: number
  readonly height: number
  readonly x: Axis
  readonly y: Axis
  /** A right-hand axis, for series with `axis: "right"`. */
  readonly y2?: Axis
  readonly series: ReadonlyArray<LineSeries>
  readonly references?: ReadonlyArray<ReferenceLine>
  readonly events?: ReadonlyArray<EventMarker>
}

export interface Bar {
  readonly label: string
  readonly value: number
  /** Hover tooltip; default "label: value". */
  readonly title?: string
  /** Overrides the chart's color, e.g. for negative values. */
  readonly color?: string
}

export interface BarChartSpec {
  readonly id: string
  readonly title: string
  readonly width: number
  readonly height: number
  readonly bars: ReadonlyArray<Bar>
  /** Titles the category axis. */
  readonly xLabel: string
  readonly y: Axis
  readonly color: string
}

export interface RankedBarChartSpec {
  readonly id: string
  readonly title: string
  readonly width: number
  /** Counts, drawn top to bottom in the given order (largest first is the caller's choice); negatives are left out. */
  readonly bars: ReadonlyArray<Bar>
  readonly format: (value: number) => string
  readonly color: string
}

/** Sizes in viewBox units. The report draws charts at about 1:1 on its page, so these are close to CSS pixels. */
const FONT_TITLE = 14
const FONT_LABEL = 11
/** Baseline of the title, and of the legend row under it. */
const TITLE_BASELINE = 17
const LEGEND_BASELINE = 37
/** Room above the plot for the title and the legend; below it for tick labels and the axis title. */
const MARGIN_TOP = 50
const MARGIN_BOTTOM = 42
/** Room for y tick labels like "1,000 MiB" and the rotated axis title beside them. */
const MARGIN_SIDE_WITH_AXIS = 66
const MARGIN_SIDE_WITHOUT_AXIS = 16
/** How far tick labels sit from the plot, and axis titles from the chart's edge. */
const TICK_GAP = 6
const AXIS_TITLE_INSET = 12
/** About five ticks per axis: enough to read a value off, few enough to stay uncluttered on a half-width chart. */
const TICKS_X = 6
const TICKS_Y = 5
/** Average glyph width of a sans-serif font, in em: used to lay out legends and labels without measuring text. */
const GLYPH_EM = 0.6
const LEGEND_SWATCH = 14
const LEGEND_GAP = 18
const DOT_RADIUS = 3
/** A line series with one point has no length to draw: it is shown as a dot this size instead. */
const LONE_POINT_RADIUS = 3.5
const LINE_WIDTH = 1.8
/** Reference lines are dashed and a little thinner than data, so they read as guides, not as series. */
const REFERENCE_WIDTH = 1.5
const REFERENCE_DASH = "6 4"
/** Event markers' vertical lines are faint dots: many decisions must not hide the series behind them. */
const EVENT_LINE_DASH = "2 3"
const EVENT_LINE_OPACITY = 0.55
/** The white outline around reference labels, wide enough to part them from a line crossing them. */
const LABEL_HALO = 3
const EVENT_RADIUS = 4
/** Text is placed by its baseline; a third of the font size below a y centres digits and lowercase on it. */
const TEXT_CENTRE_SHIFT = FONT_LABEL / 3
/** Share of each category's band a column fills; the rest is the gap between columns. */
const BAR_FILL = 0.7
/** A column never grows wider than this: with two or three categories, wider columns only look heavier. */
const MAX_BAR_WIDTH = 56
/** Columns get their label and value printed up to this many; past it only every few are labelled. */
const MAX_LABELLED_BARS = 16
/** Share of the value span added beyond the tallest columns, so that their printed values stay inside the plot. */
const VALUE_LABEL_HEADROOM = 0.12
/** Ranked bars: row height, bar thickness within it, and the widest label column as a share of the chart. */
const RANK_ROW = 22
const RANK_BAR = 14
const RANK_MAX_LABEL_SHARE = 0.4
/** Room right of the longest ranked bar for its value. */
const RANK_VALUE_ROOM = 70
/** Coordinates are rounded to a tenth of a unit: finer differences are invisible and would only bloat the file. */
const COORD_DECIMALS = 1
const COLOR_GRID = "#e4e7eb"
const COLOR_AXIS = "#9aa5b1"
const COLOR_TEXT = "#3e4c59"
const COLOR_MUTED = "#7b8794"

const entities: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }

/** Escapes text for XML and HTML, in element content and in quoted attributes alike. */
export const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (c) => entities[c] ?? c)

/** A coordinate as an attribute value. Callers only pass finite numbers (see the module comment). */
const coord = (value: number): string => {
  const factor = 10 ** COORD_DECIMALS
  const rounded = Math.round(value * factor) / factor
  return String(Object.is(rounded, -0) ? 0 : rounded)
}

export interface Domain {
  readonly min: number
  readonly max: number
  readonly ticks: ReadonlyArray<number>
}

/** The smallest of 1, 2, 5 and 10 times `raw`'s power of ten that is at least `raw` (> 0). */
const decimalStep = (raw: number): number => {
  const power = 10 ** Math.floor(Math.log10(raw))
  return [1, 2, 5].map((factor) => factor * power).find((step) => step >= raw) ?? 10 * power
}

/**
 * A domain covering [lo, hi] whose bounds and ticks fall on a round step (1, 2 or 5 × a power of ten), about `count`
 * ticks. Degenerate input
 * still gives a usable domain: non-finite bounds become [0, 1], and a single value is widened around itself
 * (never below zero when it is not negative, so times and counts do not get negative ticks).
 */
export const niceDomain = (lo: number, hi: number, count: number): Domain => {
  let low = Number.isFinite(lo) ? lo : 0
  let high = Number.isFinite(hi) ? hi : 1
  if (low > high) [low, high] = [high, low]
  if (low === high) {
    const pad = low === 0 ? 1 : Math.abs(low) / 2
    high += pad
    low = low >= 0 ? Math.max(0, low - pad) : low - pad
  }
  const raw = (high - low) / Math.max(1, count)
  const step = decimalStep(raw)
  const min = Math.floor(low / step) * step
  const max = Math.ceil(high / step) * step
  const ticks: Array<number> = []
  // Rounded to 12 significant digits so that 0.1 + 0.2 style sums print as 0.3.
  for (let i = 0; min + i * step <= max + step / 2; i++) ticks.push(Number((min + i * step).toPrecision(12)))
  return { min, max, ticks }
}

/** Maps a domain linearly onto [from, to] (to < from for a y axis, whose pixels grow downwards). */
export const linearScale = (domain: Domain, from: number, to: number) => (value: number): number =>
  from + ((value - domain.min) / (domain.max - domain.min)) * (to - from)

const finite = (values: ReadonlyArray<number>): Array<number> => values.filter(Number.isFinite)

const extent = (values: ReadonlyArray<number>, axis: Axis): readonly [number, number] => {
  const bounds = finite([...values, ...(axis.min === undefined ? [] : [axis.min]), ...(axis.max === undefined ? [] : [axis.max])])
  return bounds.length === 0
    ? [Number.NaN, Number.NaN]
    : [bounds.reduce((a, b) => Math.min(a, b)), bounds.reduce((a, b) => Math.max(a, b))]
}

interface Plot {
  readonly left: number
  readonly right: number
  readonly top: number
  readonly bottom: number
}

const textWidth = (text: string, size: number): number => text.length * size * GLYPH_EM

/** Cuts a label to about `width` units, marking the cut with an ellipsis (the full label goes in the tooltip). */
const fitLabel = (label: string, width: number, size: number): string => {
  const fits = Math.floor(width / (size * GLYPH_EM))
  return label.length <= fits ? label : `${label.slice(0, Math.max(1, fits - 1))}…`
}

const text = (x: number, y: number, content: string, attributes = ""): string =>
  `<text x="${coord(x)}" y="${coord(y)}"${attributes === "" ? "" : ` ${attributes}`}>${escapeXml(content)}</text>`

type Swatch = { readonly name: string; readonly color: string; readonly mark: "line" | "dash" | "dot" }

/** The title, and the legend in a row under it. */
const header = (title: string, legend: ReadonlyArray<Swatch>): string => {
  let x = 0
  const items = legend.map((item) => {
    const middle = LEGEND_BASELINE - TEXT_CENTRE_SHIFT
    const mark = item.mark === "dot"
      ? `<circle cx="${coord(x + LEGEND_SWATCH / 2)}" cy="${coord(middle)}" r="${EVENT_RADIUS}" fill="${item.color}"/>`
      : `<line x1="${coord(x)}" x2="${coord(x + LEGEND_SWATCH)}" y1="${coord(middle)}" y2="${coord(middle)}" stroke="${item.color}" stroke-width="${LINE_WIDTH}"${item.mark === "dash" ? ` stroke-dasharray="${REFERENCE_DASH}"` : ""}/>`
    const label = text(x + LEGEND_SWATCH + 4, LEGEND_BASELINE, item.name, `font-size="${FONT_LABEL}" fill="${COLOR_TEXT}"`)
    x += LEGEND_SWATCH + 4 + textWidth(item.name, FONT_LABEL) + LEGEND_GAP
    return mark + label
  })
  return text(0, TITLE_BASELINE, title, `font-size="${FONT_TITLE}" font-weight="600" fill="${COLOR_TEXT}"`) + items.join("")
}

const frame = (id: string, title: string, width: number, height: number, body: string): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" data-chart="${escapeXml(id)}" viewBox="0 0 ${width} ${height}" ` +
  `width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}" font-family="system-ui, sans-serif">` +
  `<title>${escapeXml(title)}</title>${body}</svg>`

const centeredMessage = (plot: Plot, message: string): string =>
  text((plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2, message,
    `text-anchor="middle" font-size="${FONT_TITLE}" fill="${COLOR_MUTED}"`)

/** A chart with a message instead of data: "no data", or why the data is missing. */
export const messageChart = (id: string, title: string, width: number, height: number, message: string): string => {
  const plot = { left: 0, right: width, top: MARGIN_TOP, bottom: height - MARGIN_BOTTOM }
  return frame(id, title, width, height, header(title, []) + centeredMessage(plot, message))
}

const yAxis = (domain: Domain, scale: (v: number) => number, plot: Plot, axis: Axis, side: "left" | "right", width: number, grid: boolean): string => {
  const tickX = side === "left" ? plot.left - TICK_GAP : plot.right + TICK_GAP
  const anchor = side === "left" ? "end" : "start"
  const ticks = domain.ticks.map((tick) => {
    const y = scale(tick)
    const line = grid ? `<line x1="${coord(plot.left)}" x2="${coord(plot.right)}" y1="${coord(y)}" y2="${coord(y)}" stroke="${COLOR_GRID}"/>` : ""
    return line + text(tickX, y + TEXT_CENTRE_SHIFT, axis.format(tick), `text-anchor="${anchor}" font-size="${FONT_LABEL}" fill="${COLOR_MUTED}"`)
  })
  const titleX = side === "left" ? AXIS_TITLE_INSET : width - AXIS_TITLE_INSET + FONT_LABEL / 2
  const middle = (plot.top + plot.bottom) / 2
  const title = text(titleX, middle, axis.label,
    `text-anchor="middle" font-size="${FONT_LABEL}" fill="${COLOR_TEXT}" transform="rotate(-90 ${coord(titleX)} ${coord(middle)})"`)
  return ticks.join("") + title
}

const xAxisTitle = (plot: Plot, height: number, label: string): string =>
  text((plot.left + plot.right) / 2, height - TICK_GAP, label, `text-anchor="middle" font-size="${FONT_LABEL}" fill="${COLOR_TEXT}"`)

const baseline = (plot: Plot, y: number): string =>
  `<line x1="${coord(plot.left)}" x2="${coord(plot.right)}" y1="${coord(y)}" y2="${coord(y)}" stroke="${COLOR_AXIS}"/>`

const seriesPath = (points: ReadonlyArray<Point>, shape: "line" | "step", sx: (v: number) => number, sy: (v: number) => number): string =>
  points
    .map((p, i) => {
      if (i === 0) return `M${coord(sx(p.x))} ${coord(sy(p.y))}`
      // A step holds the previous value up to this point's x, then jumps: the value "in force" until it changed.
      return shape === "step" ? `H${coord(sx(p.x))}V${coord(sy(p.y))}` : `L${coord(sx(p.x))} ${coord(sy(p.y))}`
    })
    .join("")

const drawSeries = (series: LineSeries, sx: (v: number) => number, sy: (v: number) => number): string => {
  const { points, color } = series
  const shape = series.shape ?? "line"
  if (shape === "dots") {
    return points
      .map((p) => {
        const title = p.title === undefined ? "" : `<title>${escapeXml(p.title)}</title>`
        return `<circle class="data" cx="${coord(sx(p.x))}" cy="${coord(sy(p.y))}" r="${DOT_RADIUS}" fill="${color}">${title}</circle>`
      })
      .join("")
  }
  const [only] = points
  if (points.length === 1 && only !== undefined) {
    return `<circle class="data" cx="${coord(sx(only.x))}" cy="${coord(sy(only.y))}" r="${LONE_POINT_RADIUS}" fill="${color}"><title>${escapeXml(series.name)}</title></circle>`
  }
  return `<path class="data" d="${seriesPath(points, shape, sx, sy)}" fill="none" stroke="${color}" stroke-width="${LINE_WIDTH}" stroke-linejoin="round"><title>${escapeXml(series.name)}</title></path>`
}

/** A line chart over a shared x axis; see `LineChartSpec`. Empty series give a "no data" chart. */
export const lineChart = (spec: LineChartSpec): string => {
  const series = spec.series
    .map((s) => ({ ...s, points: s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)) }))
    .filter((s) => s.points.length > 0)
  const events = (spec.events ?? []).filter((e) => Number.isFinite(e.x))
  const references = (spec.references ?? []).filter((r) => Number.isFinite(r.y))
  const rightSeries = series.filter((s) => s.axis === "right")
  const y2 = rightSeries.length > 0 ? spec.y2 : undefined
  const legend: Array<Swatch> = [
    ...spec.series.map((s): Swatch => ({ name: s.name, color: s.color, mark: s.shape === "dots" ? "dot" : "line" })),
    ...references.map((r): Swatch => ({ name: r.label, color: r.color, mark: "dash" })),
    ...[...new Map(events.map((e) => [e.name, e.color])).entries()].map(([name, color]): Swatch => ({ name, color, mark: "dot" }))
  ]
  const plot: Plot = {
    left: MARGIN_SIDE_WITH_AXIS,
    right: spec.width - (y2 === undefined ? MARGIN_SIDE_WITHOUT_AXIS : MARGIN_SIDE_WITH_AXIS),
    top: MARGIN_TOP,
    bottom: spec.height - MARGIN_BOTTOM
  }
  if (series.length === 0) return frame(spec.id, spec.title, spec.width, spec.height, header(spec.title, legend) + centeredMessage(plot, "no data"))

  const [xLo, xHi] = extent([...series.flatMap((s) => s.points.map((p) => p.x)), ...events.map((e) => e.x)], spec.x)
  const xDomain = niceDomain(xLo, xHi, TICKS_X)
  const leftSeries = series.filter((s) => s.axis !== "right")
  const [yLo, yHi] = extent([...leftSeries.flatMap((s) => s.points.map((p) => p.y)), ...references.map((r) => r.y)], spec.y)
  const yDomain = niceDomain(yLo, yHi, TICKS_Y)
  const sx = linearScale(xDomain, plot.left, plot.right)
  const sy = linearScale(yDomain, plot.bottom, plot.top)

  const xTicks = xDomain.ticks
    .map((tick) => text(sx(tick), plot.bottom + FONT_LABEL + TICK_GAP, spec.x.format(tick), `text-anchor="middle" font-size="${FONT_LABEL}" fill="${COLOR_MUTED}"`))
    .join("")
  let body = header(spec.title, legend) + yAxis(yDomain, sy, plot, spec.y, "left", spec.width, true) + xTicks +
    xAxisTitle(plot, spec.height, spec.x.label) + baseline(plot, plot.bottom)
  let right: ((v: number) => number) | undefined
  if (y2 !== undefined) {
    const [lo, hi] = extent(rightSeries.flatMap((s) => s.points.map((p) => p.y)), y2)
    const domain = niceDomain(lo, hi, TICKS_Y)
    right = linearScale(domain, plot.bottom, plot.top)
    body += yAxis(domain, right, plot, y2, "right", spec.width, false)
  }
  body += references
    .map((r) => `<line x1="${coord(plot.left)}" x2="${coord(plot.right)}" y1="${coord(sy(r.y))}" y2="${coord(sy(r.y))}" stroke="${r.color}" stroke-width="${REFERENCE_WIDTH}" stroke-dasharray="${REFERENCE_DASH}"/>`)
    .join("")
  body += series.map((s) => drawSeries(s, sx, s.axis === "right" && right !== undefined ? right : sy)).join("")
  body += events
    .map((e) => {
      const x = coord(sx(e.x))
      return `<g><title>${escapeXml(e.title)}</title>` +
        `<line x1="${x}" x2="${x}" y1="${coord(plot.top)}" y2="${coord(plot.bottom)}" stroke="${e.color}" stroke-opacity="${EVENT_LINE_OPACITY}" stroke-dasharray="${EVENT_LINE_DASH}"/>` +
        `<circle class="data event" cx="${x}" cy="${coord(plot.bottom)}" r="${EVENT_RADIUS}" fill="${e.color}" stroke="#fff"/></g>`
    })
    .join("")
  // Labels last, over the lines, each with a white halo so that a series crossing it does not hide it.
  body += references
    .map((r) => text(plot.left + TICK_GAP, sy(r.y) - TICK_GAP / 2, r.label, `font-size="${FONT_LABEL}" fill="${r.color}" stroke="#fff" stroke-width="${LABEL_HALO}" paint-order="stroke"`))
    .join("")
  return frame(spec.id, spec.title, spec.width, spec.height, body)
}

/** Vertical bars, one per category, from zero (negative values go below it). Empty: a "no data" chart. */
export const barChart = (spec: BarChartSpec): string => {
  const bars = spec.bars.filter((b) => Number.isFinite(b.value))
  const plot: Plot = { left: MARGIN_SIDE_WITH_AXIS, right: spec.width - MARGIN_SIDE_WITHOUT_AXIS, top: MARGIN_TOP, bottom: spec.height - MARGIN_BOTTOM }
  const head = header(spec.title, [])
  if (bars.length === 0) return frame(spec.id, spec.title, spec.width, spec.height, head + centeredMessage(plot, "no data"))

  // Bars grow from zero, so zero is always in the domain.
  const [lo, hi] = extent([0, ...bars.map((b) => b.value)], spec.y)
  const printValues = bars.length <= MAX_LABELLED_BARS
  const headroom = printValues ? (hi - lo) * VALUE_LABEL_HEADROOM : 0
  const domain = niceDomain(lo < 0 ? lo - headroom : lo, hi > 0 ? hi + headroom : hi, TICKS_Y)
  const sy = linearScale(domain, plot.bottom, plot.top)
  const band = (plot.right - plot.left) / bars.length
  const labelEvery = Math.ceil(bars.length / MAX_LABELLED_BARS)
  const zero = sy(0)
  const barWidth = Math.min(band * BAR_FILL, MAX_BAR_WIDTH)
  const drawn = bars
    .map((bar, i) => {
      const middle = plot.left + (i + 0.5) * band
      const y = sy(bar.value)
      const title = bar.title ?? `${bar.label}: ${spec.y.format(bar.value)}`
      const rect = `<rect class="data" x="${coord(middle - barWidth / 2)}" y="${coord(Math.min(y, zero))}" width="${coord(barWidth)}" height="${coord(Math.abs(zero - y))}" fill="${bar.color ?? spec.color}"><title>${escapeXml(title)}</title></rect>`
      const label = i % labelEvery === 0
        ? text(middle, plot.bottom + FONT_LABEL + TICK_GAP, bar.label, `text-anchor="middle" font-size="${FONT_LABEL}" fill="${COLOR_MUTED}"`)
        : ""
      // Values are printed on the bars only while they fit; past that the tooltips and the axis carry them.
      const value = printValues
        ? text(middle, bar.value >= 0 ? y - TICK_GAP / 2 : y + FONT_LABEL, spec.y.format(bar.value), `text-anchor="middle" font-size="${FONT_LABEL}" fill="${COLOR_TEXT}"`)
        : ""
      return rect + label + value
    })
    .join("")
  const body = head + yAxis(domain, sy, plot, spec.y, "left", spec.width, true) + drawn + baseline(plot, zero) + xAxisTitle(plot, spec.height, spec.xLabel)
  return frame(spec.id, spec.title, spec.width, spec.height, body)
}

/** Horizontal bars with their labels on the left and values at their ends; the height follows the number of bars. */
export const rankedBarChart = (spec: RankedBarChartSpec): string => {
  const bars = spec.bars.filter((b) => Number.isFinite(b.value) && b.value >= 0)
  const height = MARGIN_TOP + Math.max(bars.length, 1) * RANK_ROW + TICK_GAP
  const labelWidth = Math.min(
    spec.width * RANK_MAX_LABEL_SHARE,
    bars.reduce((widest, b) => Math.max(widest, textWidth(b.label, FONT_LABEL)), 0) + TICK_GAP
  )
  const plot: Plot = { left: labelWidth + TICK_GAP, right: spec.width - RANK_VALUE_ROOM, top: MARGIN_TOP, bottom: height - TICK_GAP }
  const head = header(spec.title, [])
  if (bars.length === 0) return frame(spec.id, spec.title, spec.width, height, head + centeredMessage(plot, "no data"))

  const largest = bars.reduce((max, b) => Math.max(max, b.value), 0)
  // With every value zero the bars have no length; any positive scale draws them as zero-width.
  const sx = linearScale({ min: 0, max: largest > 0 ? largest : 1, ticks: [] }, plot.left, plot.right)
  const drawn = bars
    .map((bar, i) => {
      const rowMiddle = plot.top + (i + 0.5) * RANK_ROW
      const end = sx(bar.value)
      const title = bar.title ?? `${bar.label}: ${spec.format(bar.value)}`
      return text(labelWidth, rowMiddle + TEXT_CENTRE_SHIFT, fitLabel(bar.label, labelWidth, FONT_LABEL), `text-anchor="end" font-size="${FONT_LABEL}" fill="${COLOR_TEXT}"`) +
        `<rect class="data" x="${coord(plot.left)}" y="${coord(rowMiddle - RANK_BAR / 2)}" width="${coord(end - plot.left)}" height="${RANK_BAR}" fill="${bar.color ?? spec.color}"><title>${escapeXml(title)}</title></rect>` +
        text(end + TICK_GAP, rowMiddle + TEXT_CENTRE_SHIFT, spec.format(bar.value), `font-size="${FONT_LABEL}" fill="${COLOR_MUTED}"`)
    })
    .join("")
  return frame(spec.id, spec.title, spec.width, height, head + drawn)
}
