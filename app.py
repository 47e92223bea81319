"""Tenglong (腾笼) Streamlit entry point: `make run` or `streamlit run app.py`.

The workspace opened by default is $TENGLONG_WORKSPACE, else data/fuxing.gpkg.
"""

from geo.app.main import main

main()
