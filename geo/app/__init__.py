"""The Streamlit front end. The only part of ``geo`` that imports streamlit."""
