// PLACEHOLDER: removed once the module has real sources.
namespace fedcarbon::energy {}
