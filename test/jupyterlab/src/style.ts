// The stylesheets JupyterLab's examples/notebook loads (style.ts there), plus the vega output style.
import { applyJupyterTheme } from '@jupyter/web-components';

import '@jupyterlab/application/style/index.css';
import '@jupyterlab/codemirror/style/index.css';
import '@jupyterlab/notebook/style/index.css';
import '@jupyterlab/vega5-extension/style/index.css';
import '@jupyterlab/theme-light-extension/style/theme.css';
import './index.css';

// Apply the JupyterLab theme to the Jupyter web components (toolbar buttons).
window.addEventListener('load', () => applyJupyterTheme());
