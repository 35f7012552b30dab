import { ApiClient } from './api-client.js';
import { BatchesTab } from './batches-tab.js';
import { el } from './el.js';
import { FileCard } from './file-card.js';
import { JobsTab } from './jobs-tab.js';
import { TuningPanel, tuningToParams, type Tuning } from './tuning-panel.js';
import './styles.css';

/** Sliders fire on every step; rescoring waits for this much stillness. */
const RESCORE_DEBOUNCE_MS = 300;
/** The key lives only for this tab's session, never in localStorage or a cookie. */
const KEY_STORAGE = 'vadfleet.apiKey';

const app = document.getElementById('app')!;
const api = new ApiClient(() => sessionStorage.getItem(KEY_STORAGE) ?? '');
const cards: FileCard[] = [];
const cardList = el('div', { class: 'cards', 'data-testid': 'cards' });

let rescoreTimer: ReturnType<typeof setTimeout> | undefined;
const tuning = new TuningPanel((value: Tuning) => {
  clearTimeout(rescoreTimer);
  rescoreTimer = setTimeout(() => cards.forEach((card) => void card.rescore(tuningToParams(value))), RESCORE_DEBOUNCE_MS);
});

function addCard(card: FileCard): FileCard {
  cards.push(card);
  cardList.prepend(card.element);
  return card;
}

function submitFiles(files: Iterable<File>): void {
  for (const file of files) void addCard(new FileCard(api, file.name, file)).submit(tuningToParams(tuning.value));
}

// --- API key ---
const keyInput = el('input', { id: 'api-key', name: 'api-key', type: 'password', autocomplete: 'off', required: true, value: sessionStorage.getItem(KEY_STORAGE) ?? '' });
const keyForm = el(
  'form',
  { class: 'key-form' },
  el('label', { for: 'api-key' }, 'API key'),
  keyInput,
  el('button', { type: 'submit' }, 'Use key'),
  el('span', { class: 'hint', 'data-testid': 'key-state', 'aria-live': 'polite' }, sessionStorage.getItem(KEY_STORAGE) ? 'key set' : 'no key'),
);
keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, keyInput.value.trim());
  keyForm.querySelector('[data-testid=key-state]')!.textContent = 'key set for this session';
});

// --- Files: drop zone and file input ---
const fileInput = el('input', { id: 'file-input', name: 'file', type: 'file', multiple: true, accept: 'audio/*,.wav,.mp3,.flac,.ogg,.opus' });
fileInput.addEventListener('change', () => {
  if (fileInput.files) submitFiles(fileInput.files);
  fileInput.value = '';
});
const dropZone = el(
  'div',
  { class: 'drop-zone', 'data-testid': 'drop-zone' },
  el('label', { for: 'file-input' }, 'Drop audio files here, or choose files'),
  fileInput,
  el('p', { class: 'hint' }, 'WAV, MP3, FLAC, Ogg/Opus; stereo calls are analysed per channel. Each file is submitted with the parameters above.'),
);
dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  dropZone.classList.add('over');
});
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.classList.remove('over');
  if (event.dataTransfer?.files.length) submitFiles(event.dataTransfer.files);
});

// --- Tabs ---
const jobsTab = new JobsTab(api, (id) => {
  selectTab('detect');
  void addCard(new FileCard(api, `job ${id}`, null)).open(id);
});
const batchesTab = new BatchesTab(api, () => tuningToParams(tuning.value));
const panels = {
  detect: el('section', { id: 'panel-detect', role: 'tabpanel', 'aria-labelledby': 'tab-detect' }, tuning.element, dropZone, cardList),
  jobs: el('section', { id: 'panel-jobs', role: 'tabpanel', 'aria-labelledby': 'tab-jobs', hidden: true }, jobsTab.element),
  batches: el('section', { id: 'panel-batches', role: 'tabpanel', 'aria-labelledby': 'tab-batches', hidden: true }, batchesTab.element),
};
type TabName = keyof typeof panels;
const tabs = (Object.keys(panels) as TabName[]).map((name) => {
  const tab = el('button', { type: 'button', role: 'tab', id: `tab-${name}`, 'aria-controls': `panel-${name}`, 'aria-selected': String(name === 'detect') }, name[0].toUpperCase() + name.slice(1));
  tab.addEventListener('click', () => selectTab(name));
  return tab;
});

function selectTab(name: TabName): void {
  for (const tab of tabs) tab.setAttribute('aria-selected', String(tab.id === `tab-${name}`));
  for (const [panelName, panel] of Object.entries(panels)) panel.hidden = panelName !== name;
  if (name === 'jobs') void jobsTab.load(true);
  if (name === 'batches') void batchesTab.loadList(true);
}

app.replaceChildren(
  el('header', { class: 'top' }, el('h1', {}, 'vadfleet console'), keyForm),
  el('nav', { role: 'tablist', 'aria-label': 'Views' }, ...tabs),
  ...Object.values(panels),
);
