import { DEFAULT_MAX_SEGMENT_MS, PRESET_NAMES, PRESETS, type PresetName, type VadParamsInput } from '@vadfleet/shared/vad-params';
import { el } from './el.js';

/** What the sliders say; `preset` is set while the two pause values are exactly a preset's. */
export interface Tuning {
  preset: PresetName | null;
  maxEndSilenceMs: number;
  speechNoiseThres: number;
  maxSegmentMs: number;
}

export const DEFAULT_TUNING: Tuning = { preset: 'meeting', ...PRESETS.meeting, maxSegmentMs: DEFAULT_MAX_SEGMENT_MS };

/** The request parameters for a tuning: explicit values always, the preset's name when they match it. */
export function tuningToParams(tuning: Tuning): VadParamsInput {
  const { preset, maxEndSilenceMs, speechNoiseThres, maxSegmentMs } = tuning;
  return { ...(preset ? { preset } : {}), maxEndSilenceMs, speechNoiseThres, maxSegmentMs };
}

function presetMatching(maxEndSilenceMs: number, speechNoiseThres: number): PresetName | null {
  return PRESET_NAMES.find((name) => PRESETS[name].maxEndSilenceMs === maxEndSilenceMs && PRESETS[name].speechNoiseThres === speechNoiseThres) ?? null;
}

interface SliderSpec {
  key: 'maxEndSilenceMs' | 'speechNoiseThres' | 'maxSegmentMs';
  id: string;
  label: string;
  min: number;
  max: number;
  step: number;
  format: (value: number) => string;
  hint: string;
}

// Ranges are the API's (vadParamsSchema); the threshold stops short of ±1, which the API excludes.
const SLIDERS: SliderSpec[] = [
  {
    key: 'maxEndSilenceMs',
    id: 'max-end-silence',
    label: 'Max end silence',
    min: 200,
    max: 6000,
    step: 10,
    format: (v) => `${v} ms`,
    hint: 'Decides whether a pause splits a segment: pauses of about this minus 240 ms or longer split. Larger: fewer, longer segments.',
  },
  {
    key: 'speechNoiseThres',
    id: 'speech-noise-thres',
    label: 'Speech/noise threshold',
    min: -0.95,
    max: 0.95,
    step: 0.01,
    format: (v) => v.toFixed(2),
    hint: 'A frame is speech when P(speech) − P(silence) ≥ this. Higher: stricter, fewer speech frames; lower: more noise counted as speech.',
  },
  {
    key: 'maxSegmentMs',
    id: 'max-segment',
    label: 'Max segment',
    min: 1000,
    max: 600_000,
    step: 1000,
    format: (v) => `${(v / 1000).toFixed(0)} s`,
    hint: 'Segments longer than this are cut into touching pieces of this length.',
  },
];

/**
 * The preset picker and the three sliders. `onChange` fires on every input event (the caller
 * debounces); choosing a preset moves the two sliders it sets.
 */
export class TuningPanel {
  readonly element: HTMLElement;
  private tuning: Tuning = { ...DEFAULT_TUNING };
  private readonly presetSelect: HTMLSelectElement;
  private readonly inputs = new Map<SliderSpec['key'], { input: HTMLInputElement; output: HTMLOutputElement; spec: SliderSpec }>();

  constructor(private readonly onChange: (tuning: Tuning) => void) {
    this.presetSelect = el(
      'select',
      { id: 'preset', name: 'preset' },
      ...PRESET_NAMES.map((name) => el('option', { value: name }, name)),
      el('option', { value: '' }, 'custom'),
    );
    this.presetSelect.addEventListener('change', () => this.choosePreset(this.presetSelect.value as PresetName | ''));

    const rows = SLIDERS.map((spec) => {
      const input = el('input', { type: 'range', id: spec.id, name: spec.key, min: spec.min, max: spec.max, step: spec.step, 'aria-describedby': `${spec.id}-hint` });
      const output = el('output', { for: spec.id, id: `${spec.id}-value` });
      input.addEventListener('input', () => this.setValue(spec.key, Number(input.value)));
      this.inputs.set(spec.key, { input, output, spec });
      return el(
        'div',
        { class: 'slider' },
        el('label', { for: spec.id }, spec.label, ' ', output),
        input,
        el('p', { class: 'hint', id: `${spec.id}-hint` }, spec.hint),
      );
    });

    this.element = el(
      'fieldset',
      { class: 'tuning' },
      el('legend', {}, 'Parameters'),
      el(
        'div',
        { class: 'slider' },
        el('label', { for: 'preset' }, 'Preset'),
        this.presetSelect,
        el('p', { class: 'hint' }, 'A preset sets max end silence and the threshold; moving either slider makes the parameters custom.'),
      ),
      ...rows,
    );
    this.render();
  }

  get value(): Tuning {
    return { ...this.tuning };
  }

  choosePreset(name: PresetName | ''): void {
    if (name) this.tuning = { ...this.tuning, preset: name, ...PRESETS[name] };
    else this.tuning = { ...this.tuning, preset: null };
    this.render();
    this.onChange(this.value);
  }

  private setValue(key: SliderSpec['key'], value: number): void {
    this.tuning = { ...this.tuning, [key]: value };
    this.tuning.preset = presetMatching(this.tuning.maxEndSilenceMs, this.tuning.speechNoiseThres);
    this.render();
    this.onChange(this.value);
  }

  private render(): void {
    this.presetSelect.value = this.tuning.preset ?? '';
    for (const { input, output, spec } of this.inputs.values()) {
      input.value = String(this.tuning[spec.key]);
      output.textContent = spec.format(this.tuning[spec.key]);
    }
  }
}
