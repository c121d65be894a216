/**
 * A one-notebook page built from JupyterLab's own notebook packages (the set JupyterLab 4.6.4
 * ships), after jupyterlab's examples/notebook: ServiceManager -> DocumentManager ->
 * NotebookPanel, CodeMirror 6 editors, the standard rendermime factories, the marked markdown
 * parser and @jupyterlab/vega5-extension for application/vnd.vegalite.v5+json.
 *
 * The notebook path comes from `?path=` in the page URL; the server writes baseUrl and token into
 * #jupyter-config-data. The page exposes `window.jupyterlabTest` for the browser test, which runs
 * notebooks through the same command JupyterLab's "Run All Cells" menu item executes.
 */
import './style.js';

import { SessionContextDialogs } from '@jupyterlab/apputils';
import {
  CodeMirrorEditorFactory,
  CodeMirrorMimeTypeService,
  EditorExtensionRegistry,
  EditorLanguageRegistry,
  ybinding,
} from '@jupyterlab/codemirror';
import { DocumentManager, type IDocumentWidgetOpener } from '@jupyterlab/docmanager';
import { DocumentRegistry, type IDocumentWidget } from '@jupyterlab/docregistry';
import { createMarkdownParser } from '@jupyterlab/markedparser-extension';
import { MathJaxTypesetter } from '@jupyterlab/mathjax-extension';
import { NotebookActions, NotebookModelFactory, NotebookPanel, NotebookWidgetFactory } from '@jupyterlab/notebook';
import { RenderMimeRegistry, standardRendererFactories } from '@jupyterlab/rendermime';
import { ServiceManager } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import vegaExtension from '@jupyterlab/vega5-extension';
import { CommandRegistry } from '@lumino/commands';
import { Signal } from '@lumino/signaling';
import { BoxPanel, Widget } from '@lumino/widgets';

import type { IYText } from '@jupyter/ydoc';
import type { IRenderMime } from '@jupyterlab/rendermime';

export const RUN_ALL = 'notebook:run-all-cells';
export const RESTART_RUN_ALL = 'notebook:restart-run-all';

async function main(): Promise<void> {
  const path = new URLSearchParams(window.location.search).get('path');
  if (!path) throw new Error('no ?path= in the page URL');
  const manager = new ServiceManager();
  await manager.ready;

  const languages = new EditorLanguageRegistry();
  for (const language of EditorLanguageRegistry.getDefaultLanguages()) languages.addLanguage(language);
  const extensions = new EditorExtensionRegistry();
  for (const extension of EditorExtensionRegistry.getDefaultExtensions()) extensions.addExtension(extension);
  // Cell editors edit the shared (Yjs) model; without this binding the editor shows nothing.
  extensions.addExtension({
    name: 'shared-model-binding',
    factory: (options) => {
      const sharedModel = options.model.sharedModel as IYText;
      return EditorExtensionRegistry.createImmutableExtension(
        ybinding({ ytext: sharedModel.ysource, undoManager: sharedModel.undoManager ?? undefined }),
      );
    },
  });
  const factoryService = new CodeMirrorEditorFactory({ extensions, languages });
  const mimeTypeService = new CodeMirrorMimeTypeService(languages);

  const vegaExtensions = (Array.isArray(vegaExtension) ? vegaExtension : [vegaExtension]) as IRenderMime.IExtension[];
  const rendermime = new RenderMimeRegistry({
    initialFactories: standardRendererFactories,
    markdownParser: createMarkdownParser(languages),
    // JupyterLab's own MathJax 3 typesetter (what @jupyterlab/mathjax-extension provides in the
    // app): markdown and HTML outputs are typeset, so `$` protection is tested against it.
    latexTypesetter: new MathJaxTypesetter(),
  });
  for (const ext of vegaExtensions) rendermime.addFactory(ext.rendererFactory, ext.rank);

  const registry = new DocumentRegistry();
  const sessionDialogs = new SessionContextDialogs({ translator: nullTranslator });
  // The panel is attached below by hand; the opener only has to announce it.
  const opener: IDocumentWidgetOpener = {
    open: (widget) => opened.emit(widget),
    get opened() {
      return opened;
    },
  };
  const opened: Signal<IDocumentWidgetOpener, IDocumentWidget> = new Signal(opener);
  const docManager = new DocumentManager({ registry, manager, opener, sessionDialogs });
  registry.addModelFactory(new NotebookModelFactory({}));
  registry.addWidgetFactory(
    new NotebookWidgetFactory({
      name: 'Notebook',
      modelName: 'notebook',
      fileTypes: ['notebook'],
      defaultFor: ['notebook'],
      preferKernel: true,
      canStartKernel: true,
      rendermime,
      contentFactory: new NotebookPanel.ContentFactory({ editorFactory: factoryService.newInlineEditor }),
      mimeTypeService,
    }),
  );

  const panel = docManager.open(path) as NotebookPanel | undefined;
  if (!panel) throw new Error(`could not open ${path}`);

  const commands = new CommandRegistry();
  document.addEventListener('keydown', (event) => commands.processKeydownEvent(event), true);
  commands.addCommand(RUN_ALL, {
    label: 'Run All Cells',
    execute: () => NotebookActions.runAll(panel.content, panel.sessionContext, sessionDialogs),
  });
  commands.addCommand(RESTART_RUN_ALL, {
    label: 'Restart Kernel and Run All Cells',
    execute: async () => {
      await panel.sessionContext.restartKernel();
      return NotebookActions.runAll(panel.content, panel.sessionContext, sessionDialogs);
    },
  });
  commands.addKeyBinding({ selector: '.jp-Notebook', keys: ['Shift Enter'], command: 'notebook:run-and-advance' });
  commands.addCommand('notebook:run-and-advance', {
    label: 'Run and Advance',
    execute: () => NotebookActions.runAndAdvance(panel.content, panel.sessionContext, sessionDialogs),
  });

  // The main panel needs a size (absolute box in index.css), or nothing lays out.
  const main = new BoxPanel();
  main.id = 'main';
  main.addWidget(panel);
  BoxPanel.setStretch(panel, 1);
  Widget.attach(main, document.body);
  window.addEventListener('resize', () => main.update());

  await panel.context.ready;
  await panel.sessionContext.ready;
  Object.assign(window, { jupyterlabTest: { panel, commands, manager } });
  document.body.dataset.notebookReady = 'true';
}

main().catch((error: unknown) => {
  document.body.dataset.notebookError = String(error instanceof Error ? error.stack ?? error.message : error);
  console.error(error);
});
