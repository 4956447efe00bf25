"""Physical constants, in GeV/cm/s. Numbers only, each with its source.

PDG 2024: R. L. Workman et al. (Particle Data Group), Prog. Theor. Exp. Phys. 2022, 083C01
and the 2024 update (S. Navas et al., Phys. Rev. D 110, 030001 (2024)).
"""

import math

# --- couplings -------------------------------------------------------------------------------
alpha_em = 1.0 / 137.035999084  # alpha(0), CODATA 2018 / PDG 2024
e_charge = math.sqrt(4.0 * math.pi * alpha_em)  # e in natural (Heaviside-Lorentz) units
G_F = 1.1663788e-5  # GeV^-2, PDG 2024

# --- electroweak bosons ----------------------------------------------------------------------
m_Z = 91.1880  # GeV, PDG 2024
m_W = 80.3692  # GeV, PDG 2024
Gamma_Z = 2.4955  # GeV, PDG 2024
Gamma_W = 2.085  # GeV, PDG 2024
m_h_SM = 125.20  # GeV, PDG 2024
# On-shell weak mixing angle, s_W^2 = 1 - m_W^2/m_Z^2 (tree-level consistent with G_F, m_W, m_Z).
sin2_thetaW = 1.0 - (m_W / m_Z) ** 2
cos_thetaW = math.sqrt(1.0 - sin2_thetaW)
v_higgs = 1.0 / math.sqrt(math.sqrt(2.0) * G_F)  # GeV, (sqrt2 G_F)^-1/2 = 246.22 GeV

# --- leptons (PDG 2024) -----------------------------------------------------------------------
m_e = 0.51099895000e-3  # GeV
m_mu = 0.1056583755  # GeV
m_tau = 1.77693  # GeV

# --- hadrons (PDG 2024) -----------------------------------------------------------------------
m_proton = 0.93827208816  # GeV
m_neutron = 0.93956542052  # GeV
m_nucleon = 0.5 * (m_proton + m_neutron)
m_pi_charged = 0.13957039  # GeV
m_pi0 = 0.1349768  # GeV
m_K_charged = 0.493677  # GeV
m_rho0 = 0.77526  # GeV
m_omega = 0.78266  # GeV
atomic_mass_unit = 0.93149410242  # GeV, CODATA 2018

f_pi = 0.1302  # GeV, pi+ decay constant (PDG 2024 review "Leptonic decays of charged pseudoscalar mesons")
f_K = 0.1557  # GeV, K+ decay constant (same review)
f_rho = 0.210  # GeV, rho0 vector decay constant as used in arXiv:1903.07589 eq. (10)
V_ud = 0.97367  # PDG 2024 CKM review
V_us = 0.22431  # PDG 2024 CKM review

tau_K_charged = 1.2380e-8  # s, PDG 2024
ctau_K_charged = 371.2  # cm, PDG 2024
BR_K_to_mu_nu = 0.6356  # PDG 2024
BR_K_to_e_nu = 1.582e-5  # PDG 2024
tau_pi_charged = 2.6033e-8  # s, PDG 2024
BR_pi_to_mu_nu = 0.9998770  # PDG 2024
BR_pi_to_e_nu = 1.230e-4  # PDG 2024

# --- nucleon structure -----------------------------------------------------------------------
mu_proton = 2.7928473446  # nuclear magnetons, CODATA 2018
mu_neutron = -1.91304273  # nuclear magnetons, CODATA 2018
g_A_nucleon = 1.2754  # axial coupling, PDG 2024 (neutron beta decay lambda)
M_V_dipole = 0.843  # GeV, vector dipole mass (Sachs dipole; DarkNews const_dics, PROVENANCE.md sec. 5)
M_A_dipole = 1.02  # GeV, axial dipole mass (MiniBooNE-era default; PROVENANCE.md sec. 5)

# --- light-neutrino oscillation input (for seed-001 Fig. 2 band) -----------------------------
delta_m2_atm = 2.5e-3  # eV^2, |Delta m^2_31|, NuFIT 5.2 normal ordering (2.507e-3 rounded)

# --- added for the decay table (physics/decay_widths.py) ---------------------------------------
Gamma_rho0 = 0.1491  # GeV, rho(770)0 width, PDG 2024 (e+e- / tau average, "rho(770) mass and width")
