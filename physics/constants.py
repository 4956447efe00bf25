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

# --- added for the hadronic channels of N and h' (physics/decay_widths.py, decay_table.py) --------
# Meson masses, PDG 2024 (S. Navas et al., PRD 110, 030001).
m_K0 = 0.497611  # GeV, K0
m_eta = 0.547862  # GeV, eta
m_etaprime = 0.95778  # GeV, eta'(958)
m_rho_charged = 0.77511  # GeV, rho(770)+- (PDG 2024 "rho(770) mass", tau / e+e- average)
m_Kstar_charged = 0.89167  # GeV, K*(892)+- (hadroproduced)
m_phi = 1.019461  # GeV, phi(1020)
m_D0 = 1.86484  # GeV, D0 (open-charm threshold of h' -> c cbar: 2 m_D0)
m_B_charged = 5.27934  # GeV, B+ (open-beauty threshold of h' -> b bbar: 2 m_B+)
# Quark masses, PDG 2024 quark summary: MSbar m_s(2 GeV), m_c(m_c), m_b(m_b), top pole (direct).
m_s_quark = 0.0935  # GeV
m_c_quark = 1.2730  # GeV
m_b_quark = 4.183  # GeV
m_t_quark = 172.57  # GeV
alpha_s_mZ = 0.1180  # PDG 2024 world average

# Decay constants. Neutral-current constants of eta, eta' as used in arXiv:1805.08567 (f_eta = 81.7 MeV,
# f_eta' = -94.7 MeV; the paper's table could not be re-opened here, so tests/physics/test_hadronic_widths.py
# re-derives them from the Feldmann-Kroll-Stech mixing to 5 %), normalised so that Gamma(N -> nu eta) is
# the pi0 formula with f_pi -> f_eta.
f_eta = 0.0817  # GeV
f_etaprime = -0.0947  # GeV
# Vector constants <V| qbar gamma^mu q |0> in the normalisation of f_rho above (<rho0|J_em|0> = f m/sqrt2,
# <omega|J_em|0> = f m/(3 sqrt2), <phi|J_em|0> = -f m/3): f_V^2 = 3 m_V Gamma(V -> e+e-)/(4 pi alpha^2 c_V^2),
# c_V^2 = 1/18 (omega), 1/9 (phi), from PDG 2024 Gamma(omega -> ee) = 7.38e-5 x 8.68 MeV and
# Gamma(phi -> ee) = 2.979e-4 x 4.249 MeV (recomputed in tests/physics/test_hadronic_widths.py).
f_omega = 0.2011  # GeV (arXiv:1805.08567 uses ~0.195 GeV, quoted from memory, not re-checked)
f_phi = 0.2282  # GeV (arXiv:1805.08567: ~0.229 GeV, same caveat)
f_rho_charged = 0.210  # GeV, rho+: the rho0 value above by isospin
# K*(892)+: from PDG 2024 B(tau -> K*(892) nu) = 1.20 %, tau_tau = 290.3 fs, |V_us| above, with
# Gamma(tau -> V nu) = G_F^2 |V|^2 f_V^2 m_tau^3 (1 - x)^2 (1 + 2x)/(16 pi) (recomputed in the same test).
f_Kstar = 0.2057  # GeV
BR_tau_to_Kstar_nu = 0.0120  # PDG 2024
tau_tau = 290.3e-15  # s, PDG 2024
BR_omega_to_ee = 7.38e-5  # PDG 2024
Gamma_omega = 8.68e-3  # GeV, PDG 2024
BR_phi_to_ee = 2.979e-4  # PDG 2024
Gamma_phi = 4.249e-3  # GeV, PDG 2024
