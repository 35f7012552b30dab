import WaveSurfer from 'wavesurfer.js';
import RegionsPlugin from 'wavesurfer.js/plugins/regions';
import type { ChannelSegments } from './api-client.js';
import { el } from './el.js';

const LANE_HEIGHT_PX = 96;
const CURRENT_COLOR = 'rgba(29, 111, 214, 0.38)';
const PREVIOUS_COLOR = 'rgba(70, 70, 70, 0.35)';
/** Fraction of a lane's height taken by the strip of previous segments. */
const PREVIOUS_STRIP = 0.18;
const LANE_COLORS = [
  { waveColor: '#5a6f8c', progressColor: '#233a5e' },
  { waveColor: '#8c6a5a', progressColor: '#5e3323' },
];

/**
 * The local file's waveform (decoded by the browser, nothing is downloaded) with speech regions on top:
 * one lane per channel, previous segments as a faded strip under the current ones. Clicking a region
 * plays it.
 */
export class WaveformView {
  readonly element: HTMLElement;
  /** Resolves with the number of decoded channels once the waveform is drawn. */
  readonly ready: Promise<number>;
  private readonly wavesurfer: WaveSurfer;
  private readonly regions: ReturnType<typeof RegionsPlugin.create>;
  private readonly lanes: HTMLElement;

  constructor(file: Blob, laneName: (channel: number, channelCount: number) => string) {
    const container = el('div', { class: 'waveform-canvas' });
    this.lanes = el('div', { class: 'lanes', 'aria-hidden': 'true' });
    this.element = el('div', { class: 'waveform', role: 'img', 'aria-label': 'Waveform with speech regions' }, this.lanes, container);
    this.regions = RegionsPlugin.create();
    this.wavesurfer = WaveSurfer.create({
      container,
      height: LANE_HEIGHT_PX,
      splitChannels: LANE_COLORS.map((colors) => ({ ...colors, height: LANE_HEIGHT_PX })),
      normalize: true,
      cursorColor: '#c0392b',
      plugins: [this.regions],
    });
    this.regions.on('region-clicked', (region, event) => {
      event.stopPropagation();
      region.play(true);
    });
    this.ready = new Promise((resolve, reject) => {
      this.wavesurfer.once('ready', () => {
        const count = this.wavesurfer.getDecodedData()?.numberOfChannels ?? 1;
        this.lanes.replaceChildren(
          ...Array.from({ length: count }, (_, channel) =>
            el('span', { class: 'lane', 'data-testid': 'lane', 'data-channel': channel, style: `top:${channel * LANE_HEIGHT_PX}px` }, laneName(channel, count)),
          ),
        );
        resolve(count);
      });
      this.wavesurfer.once('error', reject);
    });
    this.wavesurfer.loadBlob(file).catch(() => undefined); // reported through `ready`
  }

  /**
   * Replaces the regions. The current ones fill their lane; `previous` ones are drawn as a faded strip
   * along the bottom of the lane, so both stay readable where they overlap.
   */
  showSegments(current: readonly ChannelSegments[], previous: readonly ChannelSegments[] | null): void {
    this.regions.clearRegions();
    const laneCount = this.wavesurfer.getDecodedData()?.numberOfChannels ?? 1;
    const add = (channels: readonly ChannelSegments[], kind: 'current' | 'previous') => {
      // A single-channel result covers every lane of the drawing.
      const perLane = channels.length > 1 && laneCount > 1;
      for (const { channel, segments } of channels) {
        for (const [startMs, endMs] of segments) {
          const region = this.regions.addRegion({
            start: startMs / 1000,
            end: endMs / 1000,
            color: kind === 'current' ? CURRENT_COLOR : PREVIOUS_COLOR,
            drag: false,
            resize: false,
            channelIdx: perLane ? channel : undefined,
          });
          if (kind === 'previous' && region.element) {
            const laneHeight = perLane ? 100 / laneCount : 100;
            const laneTop = perLane ? laneHeight * channel : 0;
            region.element.style.top = `${laneTop + laneHeight * (1 - PREVIOUS_STRIP)}%`;
            region.element.style.height = `${laneHeight * PREVIOUS_STRIP}%`;
          }
        }
      }
    };
    if (previous) add(previous, 'previous');
    add(current, 'current');
  }

  playSegment(startMs: number, endMs: number): void {
    void this.wavesurfer.play(startMs / 1000, endMs / 1000);
  }

  destroy(): void {
    this.wavesurfer.destroy();
  }
}
