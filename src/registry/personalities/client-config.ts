/**
 * clientConfig: for each package client a personality serves, the line a
 * user pastes to point it at this registry (`sigil serve` prints them, and
 * its --json start-up output carries them as fields). One place, so the
 * docs, the start-up banner and the JSON agree.
 */
export interface ClientConfig {
  /** pip: the index URL (pip.conf `index-url`, or --index-url). */
  readonly pip: string;
  /** twine: the upload command. */
  readonly twine: string;
  /** cargo: the `[registries]` entry for .cargo/config.toml. */
  readonly cargo: string;
  /** gem and bundler: the source line. */
  readonly gem: string;
  /** composer: the repository entry for composer.json. */
  readonly composer: string;
}

export function clientConfig(url: string): ClientConfig {
  return {
    pip: `pip install --index-url ${url}/pypi/simple/ <project>`,
    twine: `twine upload --repository-url ${url}/pypi/legacy/ -u __token__ -p <token> dist/*`,
    gem: `source "${url}/rubygems/"   (Gemfile; gem install --source ${url}/rubygems/ <gem>; GEM_HOST_API_KEY=<token> gem push <file>.gem --host ${url}/rubygems)`,
    composer: `composer config repositories.sigil composer ${url}/composer${url.startsWith('http:') ? ' && composer config secure-http false' : ''}   (publish: sigil publish <dist.zip> --type composer --version <v>)`,
    cargo: `[registries.sigil] index = "sparse+${url}/cargo/index/"   (.cargo/config.toml; CARGO_REGISTRIES_SIGIL_TOKEN=<token> cargo publish --registry sigil)`,
  };
}
