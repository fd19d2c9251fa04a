from services.visits.bootstrap import create_app
from shared.serve import serve

serve("visits", create_app)
