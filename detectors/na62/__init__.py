"""NA62 (K+ decays in flight, spectrometer): ``response`` (acceptance, resolutions, vertices)."""
