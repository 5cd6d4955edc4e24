// The display protocol's vocabulary, as charts use it: defined once in src/display-protocol.ts
// (the lowest layer that needs it), re-exported here for the chart modules.
export { JUPYTER_DISPLAY, PNG_MIME, TEXT_MIME, VEGA_LITE_MIME, type MimeBundle } from "../display-protocol";
