"""Parameter points used by the spectral-function tests (true values; some parameters get scales)."""

from __future__ import annotations

from typing import Any

from xlat.core.spectra import MultipleBrokenPowerLaw, PiecewisePowerLaw, SpectralFunction, build_spectrum

# type -> list of {param: true value or (true value, scale)}
CASES: dict[str, list[dict[str, Any]]] = {
    "PowerLaw": [dict(Prefactor=(1e-11, 1e-12), Index=(-2.3, -1.0), Scale=1000.0),
                 dict(Prefactor=3e-9, Index=-1.1, Scale=250.0)],
    "PowerLaw2": [dict(Integral=(1e-7, 1e-7), Index=-2.1, LowerLimit=100.0, UpperLimit=5e5),
                  dict(Integral=3e-8, Index=-1.0, LowerLimit=200.0, UpperLimit=1e5),
                  dict(Integral=3e-8, Index=(-1.0000001, -1.0), LowerLimit=200.0, UpperLimit=1e5)],
    "BrokenPowerLaw": [dict(Prefactor=1e-11, Index1=-1.7, Index2=-2.6, BreakValue=2000.0),
                       dict(Prefactor=2e-10, Index1=(-1.2, -1.0), Index2=(-3.1, -1.0), BreakValue=(500.0, 1000.0))],
    "BrokenPowerLaw2": [dict(Integral=1e-7, Index1=-1.7, Index2=-2.6, BreakValue=2000.0, LowerLimit=100.0,
                             UpperLimit=5e5),
                        dict(Integral=1e-7, Index1=-1.7, Index2=-2.6, BreakValue=50.0, LowerLimit=100.0,
                             UpperLimit=5e5),
                        dict(Integral=1e-7, Index1=-1.0, Index2=-2.6, BreakValue=1e6, LowerLimit=100.0,
                             UpperLimit=5e5)],
    "BrokenPowerLaw3": [dict(Integral1=1e-7, Index1=-1.7, Integral2=1e-9, Index2=-2.6),
                        dict(Integral1=(5e-8, 1e-8), Index1=-2.2, Integral2=(4e-10, 1e-10), Index2=-1.5,
                             LowerLimit1=100.0, UpperLimit1=3000.0, LowerLimit2=1e4, UpperLimit2=3e5)],
    "SmoothBrokenPowerLaw": [dict(Prefactor=1e-11, Index1=-1.7, Scale=1000.0, Index2=-2.6, BreakValue=3000.0,
                                  Beta=0.3),
                             dict(Prefactor=1e-11, Index1=-2.7, Scale=100.0, Index2=-1.6, BreakValue=500.0,
                                  Beta=0.05)],
    "SmoothDoubleBrokenPowerLaw": [dict(Prefactor=1e-11, Index1=-1.5, Scale=1000.0, Index2=(-2.2, -1.0),
                                        BreakValue12=800.0, Beta12=0.2, Index3=-3.0, BreakValue23=3e4,
                                        Beta23=0.3)],
    "LogParabola": [dict(norm=(6.1e-13, 1e-13), alpha=2.2, beta=(0.038, 0.1), Eb=(790.0, 1000.0)),
                    dict(norm=1e-9, alpha=1.5, beta=-0.05, Eb=300.0)],
    "ExpCutoff": [dict(Prefactor=1e-11, Index=-2.0, Scale=1000.0, Ebreak=1500.0, P1=5000.0, P2=0.1, P3=0.02),
                  dict(Prefactor=1e-11, Index=-1.6, Scale=100.0, Ebreak=10.0, P1=150.0, P2=0.0, P3=0.0)],
    "BPLExpCutoff": [dict(Prefactor=1e-11, Index1=-1.7, Index2=-2.4, BreakValue=1000.0, Eabs=3000.0, P1=20000.0),
                     dict(Prefactor=1e-11, Index1=-1.7, Index2=-2.4, BreakValue=8000.0, Eabs=300.0, P1=9000.0)],
    "PLSuperExpCutoff": [dict(Prefactor=1e-11, Index1=-1.6, Scale=1000.0, Cutoff=3000.0, Index2=0.8),
                         dict(Prefactor=1e-9, Index1=(-1.3, -1.0), Scale=1000.0, Cutoff=(2e4, 1e4), Index2=2.0)],
    "PLSuperExpCutoff2": [dict(Prefactor=1e-11, Index1=-1.6, Scale=1000.0, Expfactor=(3e-3, 1e-3), Index2=0.7),
                          dict(Prefactor=1e-11, Index1=-2.0, Scale=1000.0, Expfactor=-0.5, Index2=0.3)],
    "PLSuperExpCutoff3": [dict(Prefactor=1e-11, IndexS=-1.6, Scale=1000.0, Expfactor2=0.5, Index2=0.7),
                          dict(Prefactor=1e-11, IndexS=-1.8, Scale=1000.0, Expfactor2=2.0, Index2=0.5)],
    "PLSuperExpCutoff4": [dict(Prefactor=(2.1e-11, 1e-11), IndexS=(-2.34, -1.0), Scale=1000.0,
                               ExpfactorS=(0.114, 0.1), Index2=0.43),
                          dict(Prefactor=1e-11, IndexS=-2.0, Scale=1000.0, ExpfactorS=0.3, Index2=0.6),
                          dict(Prefactor=1e-11, IndexS=-2.0, Scale=1000.0, ExpfactorS=0.3, Index2=0.0005)],
    "ExpCutoffSEDPeak": [dict(Fpeak=1e-5, Index=-1.8, Epeak=2000.0)],
    "BandFunction": [dict(norm=1e-3, alpha=-0.8, beta=-2.3, Ep=300.0, Scale=100.0),
                     dict(norm=1e-3, alpha=-2.5, beta=-2.3, Ep=300.0, Scale=100.0)],
    "Gaussian": [dict(Prefactor=1e-8, Mean=3000.0, Sigma=500.0)],
    "ConstantValue": [dict(Value=2.0)],
    "AbsEdge": [dict(Tau0=0.5, E0=800.0, Index=-0.5)],
    "LogNormal": [dict(Prefactor=1e-7, Log10_Mean=3.2, Log10_Sigma=0.7)],
    "MultipleBrokenPowerLaw": [dict(Normalization=1e-10, Index0=-1.5, Index1=-2.0, Index2=(-2.4, -1.0), Index3=-3.0,
                                    Break0=300.0, Break1=3000.0, Break2=3e4)],
    "PiecewisePowerLaw": [dict(IndexL=-1.5, IndexH=-3.2, dNdE0=1e-9, dNdE1=0.1, dNdE2=3e-3, dNdE3=1e-5,
                               Energy0=200.0, Energy1=1000.0, Energy2=1e4, Energy3=1e5)],
    "ScaleFactor::LogParabola": [dict(norm=1e-11, alpha=2.2, beta=0.08, Eb=900.0, ScaleFactor=0.7)],
    "EnergyBand::PLSuperExpCutoff4": [dict(Prefactor=1e-11, IndexS=-2.0, Scale=1000.0, ExpfactorS=0.3, Index2=0.6,
                                           Emin=300.0, Emax=1e5)],
}


def make(type_name: str, values: dict[str, Any]) -> SpectralFunction:
    """A spectrum with the given true values (value = true/scale)."""
    if type_name == "MultipleBrokenPowerLaw":
        spectrum: SpectralFunction = MultipleBrokenPowerLaw(n_breaks=sum(k.startswith("Break") for k in values))
    elif type_name == "PiecewisePowerLaw":
        spectrum = PiecewisePowerLaw(n_points=sum(k.startswith("Energy") for k in values))
    else:
        spectrum, _ = build_spectrum(type_name, {})
    for name, item in values.items():
        true, scale = item if isinstance(item, tuple) else (item, 1.0)
        param = spectrum.parameter(name)
        param.scale = scale
        param.value = true / scale
    return spectrum


def all_cases() -> list[tuple[str, int]]:
    return [(name, k) for name, points in CASES.items() for k in range(len(points))]
