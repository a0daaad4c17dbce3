import { init, use, type ComposeOption, type ECharts } from 'echarts/core';
import { BarChart, LineChart, PieChart, type BarSeriesOption, type LineSeriesOption, type PieSeriesOption } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent, type AriaComponentOption, type GridComponentOption, type LegendComponentOption, type TooltipComponentOption } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { ChartsResponse } from '../../src/server/dashboard-contract';
import { monthLabel } from './format';
import { chartLabel } from './labels';

use([BarChart, LineChart, PieChart, AriaComponent, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

type Option = ComposeOption<BarSeriesOption | LineSeriesOption | PieSeriesOption | AriaComponentOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

const FONT = '"WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif';
const COLORS = { reported: '#8c8c8c', assigned: '#2f6fd6', submitted: '#f0a020', rectified: '#2e9d5b', red: '#d64541', yellow: '#f2c037', green: '#3aa76d' };

// richText tooltips: the HTML ones write inline style attributes, which the page's CSP refuses.
const tooltip = (trigger: 'axis' | 'item'): TooltipComponentOption => ({ trigger, renderMode: 'richText', confine: true });
const base = { animation: false, textStyle: { fontFamily: FONT } } as const;
/**
 * ECharts describes each chart (its names and counts) in the box's aria-label, for a screen
 * reader: a canvas has no text of its own. Each name's count only: `exclude` names the data's
 * other dimensions (a category's index, a stack's running totals), which read as noise.
 */
const aria = (exclude: number[] = []): AriaComponentOption => ({ enabled: true, label: { data: { excludeDimensionId: exclude } } });
// Small legend keys: four states fit one line of a quarter-screen box.
const legend = (at: LegendComponentOption): LegendComponentOption => ({ itemWidth: 12, itemHeight: 8, itemGap: 8, textStyle: { fontSize: 12 }, ...at });

/** The four charts of the view; one ECharts instance per box, kept and redrawn on every change. */
export class Charts {
  private readonly charts: ECharts[];
  constructor(private readonly boxes: { groups: HTMLElement; trend: HTMLElement; warning: HTMLElement; overdue: HTMLElement }) {
    const els = [boxes.groups, boxes.trend, boxes.warning, boxes.overdue];
    this.charts = els.map((el) => init(el, undefined, { renderer: 'canvas' }));
    // Redraw on a real change of size only: the observer also reports each box once at the
    // start, and four needless redraws would cost the first view its time.
    const sizes = new Map(els.map((el) => [el, `${el.clientWidth}x${el.clientHeight}`]));
    const ro = new ResizeObserver((entries) => {
      for (const e of entries) {
        const el = e.target as HTMLElement;
        const size = `${el.clientWidth}x${el.clientHeight}`;
        if (sizes.get(el) === size) continue;
        sizes.set(el, size);
        this.charts[els.indexOf(el)]?.resize();
      }
    });
    for (const el of els) ro.observe(el);
  }

  /** Draws all four; resolves once each has finished drawing. */
  draw(data: ChartsResponse): Promise<void> {
    const options: Option[] = [groups(data), trend(data), warning(data), topOverdue(data)];
    const empty = [!data.groups.rows.length, !data.trend.length, !(data.warning.red + data.warning.yellow + data.warning.green), !data.topOverdue.length];
    const boxes = [this.boxes.groups, this.boxes.trend, this.boxes.warning, this.boxes.overdue];
    boxes.forEach((el, i) => {
      el.parentElement?.classList.remove('is-loading');
      el.parentElement?.classList.toggle('is-empty', empty[i]!);
    });
    const drawn = this.charts.map((chart, i) => {
      // Once per draw: a handler left on would pile up, one more on every redraw.
      const done = new Promise<void>((resolve) => {
        const finished = () => {
          chart.off('finished', finished);
          resolve();
        };
        chart.on('finished', finished);
      });
      chart.setOption(options[i]!, { notMerge: true });
      return done;
    });
    return Promise.all(drawn).then(() => undefined);
  }
}

function groups(d: ChartsResponse): Option {
  const rows = d.groups.rows;
  const series = (['reported', 'assigned', 'submitted', 'rectified'] as const).map(
    (key): BarSeriesOption => ({
      type: 'bar',
      stack: 'state',
      name: { reported: '待交办', assigned: '整改中', submitted: '待核验', rectified: '已销号' }[key],
      itemStyle: { color: COLORS[key] },
      data: rows.map((r) => r[key]),
      barMaxWidth: 36,
    }),
  );
  return {
    ...base,
    aria: aria([0, 2, 3]),
    tooltip: tooltip('axis'),
    legend: legend({ top: 0 }),
    grid: { left: 8, right: 12, top: 30, bottom: 8, containLabel: true },
    // Every name shown, slanted once there are more than a few (unit names run long).
    xAxis: { type: 'category', data: rows.map((r) => chartLabel(r.label)), axisLabel: { interval: 0, rotate: rows.length > 3 ? 35 : 0, width: 80, overflow: 'truncate', fontSize: 11 } },
    yAxis: { type: 'value', minInterval: 1 },
    series,
  };
}

function trend(d: ChartsResponse): Option {
  return {
    ...base,
    aria: aria([0]),
    tooltip: tooltip('axis'),
    legend: legend({ top: 0 }),
    grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: d.trend.map((t) => monthLabel(t.month)), boundaryGap: false },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { type: 'line', name: '发现', data: d.trend.map((t) => t.found), itemStyle: { color: COLORS.assigned }, symbolSize: 6 },
      // Counted by discovery month: how many of that month's problems are rectified by now.
      { type: 'line', name: '其中已销号', data: d.trend.map((t) => t.rectified), itemStyle: { color: COLORS.rectified }, symbolSize: 6 },
    ],
  };
}

function warning(d: ChartsResponse): Option {
  const w = d.warning;
  return {
    ...base,
    aria: aria(),
    tooltip: tooltip('item'),
    legend: legend({ bottom: 0 }),
    series: [
      {
        type: 'pie',
        radius: ['38%', '64%'],
        center: ['50%', '42%'],
        // The counts on the ring itself: outside labels collide with the legend in a small box.
        label: { position: 'inside', formatter: '{c}', color: '#fff', fontWeight: 'bold' },
        // A slice of 0 keeps its legend entry but no label (it would sit on a neighbour's).
        data: [
          { name: '红色（已逾期）', value: w.red, itemStyle: { color: COLORS.red } },
          { name: `黄色（${w.yellowWithinDays}天内到期）`, value: w.yellow, itemStyle: { color: COLORS.yellow } },
          { name: '绿色（未到期）', value: w.green, itemStyle: { color: COLORS.green } },
        ].map((d) => (d.value ? d : { ...d, label: { show: false } })),
      },
    ],
  };
}

function topOverdue(d: ChartsResponse): Option {
  const rows = [...d.topOverdue].reverse(); // most at the top of a horizontal bar chart
  return {
    ...base,
    aria: aria([1]),
    tooltip: tooltip('axis'),
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: rows.map((r) => chartLabel(r.unit)), axisLabel: { width: 110, overflow: 'truncate' } },
    series: [{ type: 'bar', name: '逾期', data: rows.map((r) => r.overdue), itemStyle: { color: COLORS.red }, barMaxWidth: 22, label: { show: true, position: 'right' } }],
  };
}
