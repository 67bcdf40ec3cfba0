/**
 * Small real data sets shipped in this repository with their licences, for the studies and end-to-end tests (never
 * downloaded at run time). Each loader reads the file next to the package and checks every line.
 */
export { type Digits, DIGITS_CSV, loadDigits, permutation, splitDigits } from './digits.js';
