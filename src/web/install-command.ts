/**
 * installCommand: the line a person types to install one release with the
 * ecosystem's own client pointed at this registry (the prefixes each
 * personality is mounted at in src/registry/server.ts).
 */
export function installCommand(
  base: string,
  r: { type: string; namespace: string; name: string; version: string },
): string | undefined {
  const full = r.namespace ? `${r.namespace}/${r.name}` : r.name;
  switch (r.type) {
    case 'npm':
      return `npm install ${full}@${r.version} --registry ${base}/`;
    case 'pypi':
      return `pip install --index-url ${base}/pypi/simple/ ${r.name}==${r.version}`;
    case 'cargo':
      return `cargo add ${r.name}@${r.version} --registry sigil   # [registries.sigil] index = "sparse+${base}/cargo/index/"`;
    case 'golang':
      return `GOPROXY=${base}/go go get ${full}@${r.version}`;
    case 'gem':
      return `gem install ${r.name} -v ${r.version} --source ${base}/rubygems/`;
    case 'composer':
      return `composer require ${full}:${r.version}   # repositories.sigil = composer ${base}/composer`;
    case 'maven':
      return `mvn dependency:get -DremoteRepositories=${base}/maven2 -Dartifact=${r.namespace}:${r.name}:${r.version}`;
    case 'deb':
      return `apt-get install ${r.name}=${r.version}   # deb [signed-by=…] ${base}/debian sigil main`;
    case 'cran':
      return `install.packages("${r.name}", repos = "${base}/cran")`;
    case 'hex':
      return `mix hex.package fetch ${r.name} ${r.version} --repo sigil   # ${base}/hex`;
    case 'puppet':
      return `puppet module install ${full.replace('/', '-')} --version ${r.version} --module_repository ${base}/puppet`;
    case 'cpan':
      return `cpanm --mirror ${base}/cpan --mirror-only ${r.name}@${r.version}`;
    default:
      return undefined;
  }
}
