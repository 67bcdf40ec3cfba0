import { losskitPreset } from '../../tooling/vitest/preset.js';

export default losskitPreset(import.meta.url);
