// The translator interns unchanged objects with the same comparison the diff uses.
export { jsonEqual } from '@amesh/translator';
