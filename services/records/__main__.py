from services.records.bootstrap import create_app
from shared.http.serve import serve

serve("records", create_app)
