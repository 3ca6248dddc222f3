// Progressive enhancement: the pages work without this. It registers the
// KoliBri components (lazily loaded, only those a page uses) with the
// default theme.
import { register } from './kolibri/index.esm.js';
import { DEFAULT } from './theme-default.mjs';

const lang = document.documentElement.lang === 'en' ? 'en' : 'de';
register(DEFAULT, [() => import('./kolibri/kolibri.esm.js')], {
  translation: { name: lang },
}).catch((e) => console.warn('KoliBri could not start; the pages work without it.', e));
