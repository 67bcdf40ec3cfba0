import { losskitPreset } from '@losskit/vitest-preset';

export default losskitPreset(import.meta.url);
