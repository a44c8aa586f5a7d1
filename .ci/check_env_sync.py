"""Check that environment.yml lists the same packages as settings.ini (requirements + dev_requirements)."""
import re, sys, configparser, pathlib
root = pathlib.Path(__file__).resolve().parents[1]
cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(root / 'settings.ini')
name = lambda s: re.split(r'[<>=!~ ]', s.strip(), maxsplit=1)[0].lower()
ini = {name(s) for k in ('requirements', 'dev_requirements') for s in cfg['DEFAULT'][k].split()}
yml = set()
deps = (root / 'environment.yml').read_text().split('dependencies:', 1)[1]
for line in deps.splitlines():
    m = re.match(r'\s*-\s+([A-Za-z0-9_.\-]+)', line)
    if m and not line.strip().startswith('#'): yml.add(name(m.group(1)))
yml -= {'python', 'pip'}
missing, extra = ini - yml, yml - ini
if missing or extra:
    print(f'environment.yml out of step with settings.ini: missing {sorted(missing)}, extra {sorted(extra)}'); sys.exit(1)
print(f'environment.yml and settings.ini list the same {len(ini)} packages')
