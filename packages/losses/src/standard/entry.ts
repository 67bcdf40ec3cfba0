import { type CatalogEntry, defineEntry } from '@losskit/core';

/** Declares a catalog entry of this package (fills in `package`). */
export function standardEntry(e: Omit<CatalogEntry, 'package'>): CatalogEntry {
  return defineEntry({ ...e, package: '@losskit/losses' });
}

/** Keras 3 as a reference (for entries whose "paper" is the library that defines them). */
export const KERAS = { title: 'Keras 3 API: keras.losses', authors: 'Chollet et al.', year: 2023, url: 'https://keras.io/api/losses/' } as const;
/** PyTorch as a reference. */
export const TORCH = { title: 'PyTorch: torch.nn loss functions', authors: 'Paszke et al.', year: 2019, url: 'https://pytorch.org/docs/stable/nn.html#loss-functions' } as const;
/** Shared note for entries that floor or clip with Keras' epsilon. */
export const KERAS_EPSILON_NOTE = 'ε = 1e-7 as keras.backend.epsilon().';
/** optax as a reference (for entries whose definition is optax's), at the commit the ports follow. */
export const OPTAX = { title: 'Optax: composable gradient transformation and optimisation, in JAX (optax.losses)', authors: 'DeepMind et al.', year: 2020, url: 'https://github.com/google-deepmind/optax/tree/2edbcbe2390da13983b92cbef94ac0460ecde1c5/optax/losses' } as const;
