"""Serves the bundled JupyterLab notebook page (build/) from Debian's jupyter_server.

Start it with the server's own entry point and this module on PYTHONPATH:

    PYTHONPATH=test/jupyterlab /usr/bin/python3 -m jupyter_server --allow-root \
        --ServerApp.jpserver_extensions='{"netrunbook_jupyterlab": true}' \
        --ServerApp.ip=127.0.0.1 --ServerApp.port=PORT --ServerApp.port_retries=0 \
        --ServerApp.token=TOKEN --ServerApp.root_dir=DIR --no-browser

then open /netrunbook-lab?path=NOTEBOOK.ipynb&token=TOKEN. Kernels come from the kernelspecs on
JUPYTER_PATH; contents, sessions and kernels are the stock REST and websocket APIs.
"""
import json
import os

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.extension.handler import ExtensionHandlerMixin
from jupyter_server.utils import url_path_join
from tornado import web
from traitlets import default

HERE = os.path.dirname(os.path.abspath(__file__))

PAGE = """<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>netrunbook - JupyterLab notebook</title>
<script id="jupyter-config-data" type="application/json">{config}</script>
<link rel="stylesheet" href="{static}index.css">
</head>
<body>
<script src="{static}index.js"></script>
</body>
</html>
"""


class PageHandler(ExtensionHandlerMixin, JupyterHandler):
    @web.authenticated
    def get(self):
        config = {
            "appName": "netrunbook JupyterLab test page",
            "baseUrl": self.base_url,
            "wsUrl": "",
            "token": self.settings.get("token", ""),
            "terminalsAvailable": "false",
        }
        # "</" cannot occur in JSON values we write, but keep the script element unbreakable anyway.
        data = json.dumps(config).replace("</", "<\\/")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(PAGE.format(config=data, static=self.static_url_prefix))


class NotebookPageApp(ExtensionApp):
    name = "netrunbook_jupyterlab"
    extension_url = "/netrunbook-lab"
    load_other_extensions = False

    @default("static_paths")
    def _default_static_paths(self):
        return [os.path.join(HERE, "build")]

    def initialize_handlers(self):
        self.handlers.append((url_path_join("/", "netrunbook-lab"), PageHandler))


def _jupyter_server_extension_points():
    return [{"module": "netrunbook_jupyterlab", "app": NotebookPageApp}]
